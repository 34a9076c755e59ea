locals {
  # What each power variant observed: the headnode's status at the end of the wait (bcm), the
  # chassis state the BMC reported (ipmi), or the state ipmitool verified before the resource
  # was recorded (ipmitool). null: no power action, or no wait.
  power_status = merge(
    { for hostname, power in bcm_cmdevice_power.node_power : hostname => power.status },
    { for hostname, power in ipmi_power.node_power : hostname => power.power_state },
    { for hostname, power in null_resource.node_power_ipmitool : hostname => var.wait_for_completion ? local.expected_chassis_state : null },
  )
  power_target = var.power_method == "bcm" ? local.expected_bcm_status : local.expected_chassis_state

  node_status = {
    for hostname, node in var.nodes : hostname => {
      uuid           = local.devices[hostname].uuid
      mac            = node.mac
      ipmi_ip        = node.ipmi_ip
      management_ip  = node.management_ip
      category       = local.node_category_names[hostname]
      software_image = lookup(local.image_names_by_uuid, coalesce(local.node_image_uuids[hostname], "-"), null)
      roles          = node.roles
      interfaces     = [for interface in local.node_interfaces[hostname] : interface.name]
      power_method   = var.power_method
      power_action   = contains(keys(local.power_status), hostname) ? var.power_action : null
      status         = lookup(local.power_status, hostname, null)
      completed_at   = try(bcm_cmdevice_power.node_power[hostname].completed_at, null)
      success        = lookup(local.power_status, hostname, null) == local.power_target
    }
  }
}

output "node_status" {
  description = "Per node: device UUID, addresses, category and image, and the power action's outcome (status: BCM status such as UP with power_method bcm, chassis state on/off with ipmi and ipmitool; null without a power action or wait; completed_at: when the BCM power operation finished)."
  value       = local.node_status
}

output "provisioning_summary" {
  description = "Counts and hostnames: registered, powered (a power action recorded), successful (reached the target status), failed (powered, other status) and not powered."
  value = {
    power_method      = var.power_method
    power_action      = var.enable_power_action ? var.power_action : null
    provisioning_mode = var.provisioning_mode
    total_nodes       = length(var.nodes)
    powered           = length([for hostname, status in local.node_status : hostname if status.power_action != null])
    successful        = length([for hostname, status in local.node_status : hostname if status.success])
    failed            = length([for hostname, status in local.node_status : hostname if status.power_action != null && !status.success])
    successful_nodes  = sort([for hostname, status in local.node_status : hostname if status.success])
    failed_nodes      = sort([for hostname, status in local.node_status : hostname if status.power_action != null && !status.success])
    not_powered_nodes = sort([for hostname, status in local.node_status : hostname if status.power_action == null])
  }
}

output "node_bmc_ips" {
  description = "BMC address of each node, for IPMI console access."
  value       = { for hostname, node in var.nodes : hostname => node.ipmi_ip }
}

output "node_categories" {
  description = "Category assignment of each node (name, UUID and the software image it runs)."
  value = {
    for hostname in keys(var.nodes) : hostname => {
      name           = local.node_category_names[hostname]
      uuid           = local.node_category_uuids[hostname]
      software_image = lookup(local.image_names_by_uuid, coalesce(local.node_image_uuids[hostname], "-"), null)
    }
  }
}

output "nodes_by_category" {
  description = "Hostnames in each category."
  value       = { for hostname, name in local.node_category_names : name => hostname... }
}

output "device_ids" {
  description = "BCM device UUID of each node."
  value       = { for hostname, device in local.devices : hostname => device.id }
}

output "custom_category" {
  description = "The category the module created (null unless create_custom_category)."
  value = var.create_custom_category ? {
    name           = bcm_cmdevice_category.custom[0].name
    uuid           = bcm_cmdevice_category.custom[0].uuid
    software_image = var.software_image_name
    install_mode   = var.install_mode
  } : null
}
