# The same six nodes, provisioned one at a time (sequential) or all at once (parallel). See
# README.md for the two runs and how long each took.

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

variable "provisioning_mode" {
  description = "sequential: one node at a time in hostname order, each UP before the next is powered on; parallel: all at once, queued by the headnode's provisioning slots."
  type        = string
  default     = "sequential"
}

module "nodes" {
  source = "../../modules/bcm_node_provisioning"

  nodes = {
    for i in range(1, 7) : format("sq-%02d", i) => {
      mac           = format("52:54:00:40:00:%02x", i)
      ipmi_ip       = format("10.148.40.%d", i)
      management_ip = format("10.141.40.%d", i)
    }
  }

  enable_power_action = true
  power_action        = "power_on"
  provisioning_mode   = var.provisioning_mode
}

output "provisioning_summary" {
  value = module.nodes.provisioning_summary
}

# When each node's power operation finished (sequential: in hostname order, one provisioning
# time apart).
output "completed_at" {
  value = { for hostname, node in module.nodes.node_status : hostname => node.completed_at }
}
