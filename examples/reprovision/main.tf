# Reprovisioning: the nodes run the image of a category; changing the image (or moving the
# nodes to another category) and power cycling them makes BCM reinstall them. See README.md.

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

  nodes = {
    "rp-01" = { mac = "52:54:00:30:00:01", ipmi_ip = "10.148.30.1", management_ip = "10.141.30.1" }
    "rp-02" = { mac = "52:54:00:30:00:02", ipmi_ip = "10.148.30.2", management_ip = "10.141.30.2" }
    "rp-03" = { mac = "52:54:00:30:00:03", ipmi_ip = "10.148.30.3", management_ip = "10.141.30.3" }
  }

  # Step 1-2: a category of the module's own, running software_image_name.
  # Step 3: create_custom_category = false and category_name = "gpu" move the nodes to BCM's
  # gpu category (and the module's category is removed once no node uses it).
  create_custom_category = var.create_custom_category
  custom_category_name   = "reprovision-demo"
  software_image_name    = var.software_image_name
  category_name          = var.category_name
  install_mode           = "AUTO"

  # A change of image or category sends power_action again; power_cycle reinstalls.
  enable_power_action = true
  power_action        = var.power_action
}

variable "create_custom_category" {
  type    = bool
  default = true
}

variable "software_image_name" {
  type    = string
  default = "default-image"
}

variable "category_name" {
  type    = string
  default = "default"
}

variable "power_action" {
  type    = string
  default = "power_on"
}

output "node_categories" {
  value = module.nodes.node_categories
}

output "node_status" {
  value = { for hostname, node in module.nodes.node_status : hostname => "${node.status} (${node.power_action}, ${node.category}, ${node.software_image})" }
}
