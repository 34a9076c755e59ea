terraform {
  # optional() attribute defaults (1.3), terraform_data (1.4).
  required_version = ">= 1.4.0"

  required_providers {
    bcm = {
      source  = "hashi-demo-lab/bcm"
      version = "~> 0.1"
    }
    # power_method = "ipmitool": null_resource + local-exec.
    null = {
      source  = "hashicorp/null"
      version = ">= 3.0"
    }
    # power_method = "ipmi": bcmhcl's built-in IPMI v2.0 client (the ipmi_power resource).
    ipmi = {
      source = "bcmhcl/ipmi"
    }
  }
}
