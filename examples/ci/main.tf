# A cluster's root module as it sits in an operator's repository: CI checks it on every change
# with no headnode (inventory.json answers the BCM data sources). See README.md.

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

variable "nodes" {
  type = map(object({
    mac           = string
    ipmi_ip       = string
    management_ip = optional(string)
    category      = optional(string)
  }))
}

variable "enable_power_action" {
  type    = bool
  default = false
}

module "nodes" {
  source = "../../modules/bcm_node_provisioning"

  nodes               = var.nodes
  category_name       = "default"
  enable_power_action = var.enable_power_action
}

output "node_categories" {
  value = module.nodes.node_categories
}
