# Registers N compute nodes on a BCM headnode, powers them on and waits until every one of
# them is UP. Runs unchanged with Terraform + the hashi-demo-lab/bcm provider and with bcmhcl.

terraform {
  required_providers {
    bcm = {
      source  = "hashi-demo-lab/bcm"
      version = "~> 0.1"
    }
  }
}

# endpoint, username and password come from BCM_ENDPOINT, BCM_USERNAME and BCM_PASSWORD.
provider "bcm" {}

data "bcm_cmdevice_categories" "all" {}

data "bcm_cmnet_networks" "all" {}

locals {
  categories = { for c in data.bcm_cmdevice_categories.all.categories : c.name => c.uuid }
  networks   = { for n in data.bcm_cmnet_networks.all.networks : n.name => n }
  # null when the network does not exist: the precondition below says so.
  network = lookup(local.networks, var.network, null)

  nodes = {
    for i in range(1, var.node_count + 1) : format("%s%03d", var.hostname_prefix, i) => {
      mac = format("52:54:00:%02x:%02x:%02x", var.rack, floor(i / 256), i % 256)
      ip  = local.network == null ? null : cidrhost(format("%s/%d", local.network.base_address, local.network.netmask_bits), 1000 + i)
    }
  }
}

resource "bcm_cmdevice_device" "node" {
  for_each = local.nodes

  hostname = each.key
  category = local.categories[var.category]
  mac      = each.value.mac

  interfaces {
    name     = "BOOTIF"
    type     = "physical"
    network  = local.network.uuid
    mac      = each.value.mac
    ip       = each.value.ip
    dhcp     = false
    bootable = true
  }

  lifecycle {
    precondition {
      condition     = contains(keys(local.categories), var.category)
      error_message = "Category ${var.category} does not exist. Available: ${join(", ", sort(keys(local.categories)))}."
    }
    precondition {
      condition     = contains(keys(local.networks), var.network)
      error_message = "Network ${var.network} does not exist. Available: ${join(", ", sort(keys(local.networks)))}."
    }
  }
}

resource "bcm_cmdevice_power" "node" {
  for_each = bcm_cmdevice_device.node

  device_id           = each.value.id
  power_action        = var.power_action
  wait_for_completion = true
  timeout             = "30m"
}
