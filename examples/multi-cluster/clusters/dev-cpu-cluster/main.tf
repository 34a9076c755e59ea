# dev-cpu-cluster: CPU nodes in a category of its own (dev-cpu), created by the module from
# the default image, installed from scratch (FULL) on every provisioning.

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

  nodes                  = var.nodes
  create_custom_category = true
  custom_category_name   = "dev-cpu"
  software_image_name    = "default-image"
  install_mode           = "FULL"
  kernel_parameters      = "console=tty0 console=ttyS1,115200"

  enable_power_action = var.enable_power_action
  power_action        = var.power_action
  provisioning_mode   = "parallel"

  bmc_username = var.bmc_username
  bmc_password = var.bmc_password
}
