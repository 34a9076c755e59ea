# Quickstart: registers four nodes on a BCM headnode (the built-in simulator works), powers them
# on and waits until every one is UP. See README.md for the commands.

terraform {
  required_version = ">= 1.4.0"

  required_providers {
    bcm = {
      source  = "hashi-demo-lab/bcm"
      version = "~> 0.1"
    }
  }
}

# endpoint, username and password come from BCM_ENDPOINT, BCM_USERNAME and BCM_PASSWORD.
provider "bcm" {}

module "nodes" {
  source = "../../modules/bcm_node_provisioning"

  nodes                   = var.nodes
  management_network_name = "internalnet"
  bmc_network_name        = "ipminet"
  category_name           = "default"

  enable_power_action = var.enable_power_action
  power_action        = var.power_action
  provisioning_mode   = var.provisioning_mode
}
