# prod-gpu-cluster: GPU nodes in BCM's existing "gpu" category. software_image_name makes the
# plan fail if that category stops running the image this cluster is validated on.

terraform {
  required_version = ">= 1.4.0"

  required_providers {
    bcm = {
      source  = "hashi-demo-lab/bcm"
      version = "~> 0.1"
    }
  }
}

# This cluster's headnode: BCM_ENDPOINT, BCM_USERNAME and BCM_PASSWORD.
provider "bcm" {}

module "nodes" {
  source = "../../../../modules/bcm_node_provisioning"

  nodes               = var.nodes
  category_name       = "gpu"
  software_image_name = "gpu-image"

  enable_power_action = var.enable_power_action
  power_action        = var.power_action
  provisioning_mode   = "parallel"

  bmc_username = var.bmc_username
  bmc_password = var.bmc_password
}
