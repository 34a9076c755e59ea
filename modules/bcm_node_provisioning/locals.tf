locals {
  # ------------------------------------------------------------------------------------------
  # Lookups by name (client-side filtering: the data sources have no name argument). A name
  # that matches nothing gives null here and a precondition failure in terraform_data.preflight.
  # ------------------------------------------------------------------------------------------

  available_image_names    = sort([for image in data.bcm_cmpart_softwareimages.all.images : image.name])
  available_network_names  = sort([for network in data.bcm_cmnet_networks.all.networks : network.name])
  available_category_names = sort([for category in data.bcm_cmdevice_categories.all.categories : category.name])
  available_role_names     = sort(distinct([for role in data.bcm_cmdevice_roles.all.roles : role.name]))

  software_image = var.software_image_name == null ? null : one([
    for image in data.bcm_cmpart_softwareimages.all.images : image if image.name == var.software_image_name
  ])
  management_network = one([
    for network in data.bcm_cmnet_networks.all.networks : network if network.name == var.management_network_name
  ])
  bmc_network = var.bmc_network_name == null ? null : one([
    for network in data.bcm_cmnet_networks.all.networks : network if network.name == var.bmc_network_name
  ])

  software_image_uuid     = try(local.software_image.uuid, null)
  management_network_uuid = try(local.management_network.uuid, null)
  bmc_network_uuid        = try(local.bmc_network.uuid, null)
  network_uuids           = { for network in data.bcm_cmnet_networks.all.networks : network.name => network.uuid }
  image_names_by_uuid     = { for image in data.bcm_cmpart_softwareimages.all.images : image.uuid => image.name }

  # ------------------------------------------------------------------------------------------
  # Categories: the headnode's, plus the custom one when the module creates it.
  # ------------------------------------------------------------------------------------------

  default_category_name = var.create_custom_category ? var.custom_category_name : var.category_name
  node_category_names   = { for hostname, node in var.nodes : hostname => node.category != null ? node.category : local.default_category_name }

  # Names only (no resource reference), so that the preconditions do not wait for the category.
  known_category_names = sort(distinct(concat(local.available_category_names, var.create_custom_category ? [var.custom_category_name] : [])))
  category_uuids = merge(
    { for category in data.bcm_cmdevice_categories.all.categories : category.name => category.uuid },
    var.create_custom_category ? { (var.custom_category_name) = bcm_cmdevice_category.custom[0].uuid } : {},
  )
  category_image_uuids = merge(
    { for category in data.bcm_cmdevice_categories.all.categories : category.name => category.software_image_id },
    var.create_custom_category ? { (var.custom_category_name) = local.software_image_uuid } : {},
  )

  node_category_uuids = { for hostname, name in local.node_category_names : hostname => lookup(local.category_uuids, name, null) }
  node_image_uuids    = { for hostname, name in local.node_category_names : hostname => lookup(local.category_image_uuids, name, null) }

  # ------------------------------------------------------------------------------------------
  # What the preconditions report (empty when all is well).
  # ------------------------------------------------------------------------------------------

  software_image_not_found     = "Software image '${coalesce(var.software_image_name, "-")}' not found on the BCM headnode. Available: ${join(", ", local.available_image_names)}."
  management_network_not_found = "Management network '${var.management_network_name}' not found on the BCM headnode. Available: ${join(", ", local.available_network_names)}."
  category_not_found = {
    for hostname, name in local.node_category_names :
    hostname => "Category '${name}' of node ${hostname} not found on the BCM headnode. Available: ${join(", ", local.known_category_names)}."
  }
  missing_interface_networks = {
    for name, places in {
      for pair in flatten([
        for hostname, node in var.nodes : [
          for interface in node.interfaces : { network = interface.network, place = "${hostname}/${interface.name}" }
          if interface.network != null
        ]
      ]) : pair.network => pair.place...
    } : name => places if !contains(local.available_network_names, name)
  }
  missing_roles = sort(setsubtract(flatten([for node in values(var.nodes) : node.roles]), local.available_role_names))
  # Nodes whose (existing) category runs another image than software_image_name.
  nodes_on_other_images = var.software_image_name == null || var.create_custom_category ? {} : {
    for hostname, image_uuid in local.node_image_uuids :
    hostname => "${local.node_category_names[hostname]} runs ${lookup(local.image_names_by_uuid, coalesce(image_uuid, "-"), "no image")}"
    if contains(local.known_category_names, local.node_category_names[hostname]) && image_uuid != local.software_image_uuid
  }

  # ------------------------------------------------------------------------------------------
  # Interfaces: what each node is registered with.
  # ------------------------------------------------------------------------------------------

  requested_interfaces = {
    for hostname, node in var.nodes : hostname => length(node.interfaces) > 0 ? node.interfaces : [{
      name      = "BOOTIF"
      type      = "physical"
      mac       = node.mac
      ip        = node.management_ip
      network   = null
      dhcp      = null
      bootable  = true
      members   = []
      bond_mode = null
    }]
  }

  node_interfaces = {
    for hostname, node in var.nodes : hostname => concat(
      [
        for interface in local.requested_interfaces[hostname] : {
          name = interface.name
          type = interface.type
          mac = (interface.mac != null ? interface.mac :
            interface.bootable && interface.type == "physical" ? node.mac :
          interface.type == "bmc" ? node.bmc_mac : null)
          ip = (interface.ip != null ? interface.ip :
            interface.type == "bmc" ? node.ipmi_ip :
          interface.bootable ? node.management_ip : null)
          network = (interface.network != null ? lookup(local.network_uuids, interface.network, null) :
          interface.type == "bmc" ? local.bmc_network_uuid : local.management_network_uuid)
          # A static address needs dhcp = false: with the provider's default (true) a reprovisioned
          # node loses its address and never comes back UP where it is expected.
          dhcp = (interface.dhcp != null ? interface.dhcp :
            interface.ip != null ? false :
            interface.type == "bmc" ? false :
            contains(flatten([for bond in local.requested_interfaces[hostname] : bond.members if bond.type == "bond"]), interface.name) ? false :
          !(interface.bootable && node.management_ip != null))
          bootable  = interface.bootable
          members   = interface.type == "bond" ? interface.members : null
          bond_mode = interface.type == "bond" ? coalesce(interface.bond_mode, "active-backup") : null
        }
      ],
      var.bmc_network_name != null && length([for interface in local.requested_interfaces[hostname] : interface if interface.type == "bmc"]) == 0 ? [{
        name      = "ipmi0"
        type      = "bmc"
        mac       = node.bmc_mac
        ip        = node.ipmi_ip
        network   = local.bmc_network_uuid
        dhcp      = false
        bootable  = false
        members   = null
        bond_mode = null
      }] : [],
    )
  }

  # The largest number of interfaces one bcm_cmdevice_device resource block of main.tf writes out.
  max_interfaces = 4
  nodes_with_too_many_interfaces = {
    for hostname, interfaces in local.node_interfaces : hostname => length(interfaces) if length(interfaces) > local.max_interfaces
  }

  device_specs = {
    for hostname, node in var.nodes : hostname => {
      mac      = node.mac
      category = local.node_category_uuids[hostname]
      roles    = length(node.roles) > 0 ? toset(node.roles) : null
      # BCM powers a node through its BMC interface, named in powerControl (e.g. "ipmi0").
      power_control = one([for interface in local.node_interfaces[hostname] : interface.name if interface.type == "bmc"])
      interfaces    = local.node_interfaces[hostname]
    }
  }

  # bcmhcl does not expand dynamic blocks yet, so main.tf has one device resource per interface
  # count; each node goes to the one that writes out as many interfaces blocks as it has.
  device_specs_by_interface_count = {
    for interface_count in range(1, local.max_interfaces + 1) : interface_count => {
      for hostname, spec in local.device_specs : hostname => spec if length(spec.interfaces) == interface_count
    }
  }

  # ------------------------------------------------------------------------------------------
  # Power
  # ------------------------------------------------------------------------------------------

  # ipmitool's and ipmi_power's names for the actions, and the chassis state each ends in.
  chassis_action = {
    power_on    = "on"
    power_off   = "off"
    power_cycle = "cycle"
    power_reset = "reset"
  }[var.power_action]
  expected_chassis_state = var.power_action == "power_off" ? "off" : "on"
  expected_bcm_status    = var.power_action == "power_off" ? "DOWN" : "UP"

  # A change of what a node should run sends the power action again (power_cycle reinstalls it).
  power_triggers = {
    for hostname in keys(var.nodes) : hostname => merge(var.power_triggers, {
      category       = local.node_category_names[hostname]
      software_image = local.node_image_uuids[hostname] == null ? "" : local.node_image_uuids[hostname]
    })
  }
}
