# Power through the nodes' BMCs directly instead of through the headnode: ipmitool (the seed's
# fallback: null_resource + local-exec, retries, password in IPMI_PASSWORD) or bcmhcl's
# built-in IPMI client (power_method = "ipmi"). The nodes are still registered in BCM.

terraform {
  required_version = ">= 1.4.0"

  required_providers {
    bcm = {
      source  = "hashi-demo-lab/bcm"
      version = "~> 0.1"
    }
  }
}

provider "bcm" {}

module "nodes" {
  source = "../../modules/bcm_node_provisioning"

  nodes = var.nodes

  enable_power_action = true
  power_action        = var.power_action
  power_method        = var.power_method

  bmc_username                 = var.bmc_username
  bmc_password                 = var.bmc_password
  ipmitool_retries             = 3
  ipmitool_retry_delay_seconds = 2
  power_timeout_seconds        = 60
}
