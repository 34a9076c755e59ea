# Devices (and the optional custom category) on the BCM headnode.

# The lookups and cross-variable rules that concern the whole module: a wrong name stops the
# plan with a message that lists what the headnode has. (The custom category checks its image
# and network itself, each device its category, so that no body is evaluated with a failed
# lookup.) Everything registered depends on it.
resource "terraform_data" "preflight" {
  lifecycle {
    # With create_custom_category, the category checks the image and the management network.
    precondition {
      condition     = var.create_custom_category || var.software_image_name == null || local.software_image != null
      error_message = local.software_image_not_found
    }
    precondition {
      condition     = var.create_custom_category || local.management_network != null
      error_message = local.management_network_not_found
    }
    precondition {
      condition     = var.bmc_network_name == null || local.bmc_network != null
      error_message = "BMC network '${coalesce(var.bmc_network_name, "-")}' not found on the BCM headnode. Available: ${join(", ", local.available_network_names)}."
    }
    precondition {
      condition     = length(local.missing_interface_networks) == 0
      error_message = "Interface network(s) not found on the BCM headnode: ${join("; ", [for name, places in local.missing_interface_networks : "'${name}' (${join(", ", places)})"])}. Available: ${join(", ", local.available_network_names)}."
    }
    precondition {
      condition     = length(local.missing_roles) == 0
      error_message = "Role(s) not found on the BCM headnode: ${join(", ", local.missing_roles)}. Available: ${join(", ", local.available_role_names)}."
    }
    precondition {
      condition     = length(local.nodes_on_other_images) == 0
      error_message = "These nodes' categories do not run software image '${coalesce(var.software_image_name, "-")}': ${join("; ", [for hostname, why in local.nodes_on_other_images : "${hostname} (${why})"])}. Put them in a category that runs it, or set create_custom_category = true."
    }
    precondition {
      condition     = length(local.nodes_with_too_many_interfaces) == 0
      error_message = "At most ${local.max_interfaces} interfaces per node, the BMC interface included: ${join(", ", [for hostname, interface_count in local.nodes_with_too_many_interfaces : "${hostname} has ${interface_count}"])}. (bcmhcl does not expand dynamic blocks yet, so the module writes interfaces blocks out.)"
    }
    precondition {
      condition     = !var.enable_power_action || var.power_method == "bcm" || nonsensitive(var.bmc_username != null && var.bmc_password != null)
      error_message = "power_method = \"${var.power_method}\" talks to the BMCs directly: set bmc_username and bmc_password (e.g. TF_VAR_bmc_password)."
    }
    precondition {
      condition     = var.provisioning_mode == "parallel" || var.power_method == "bcm"
      error_message = "provisioning_mode = \"sequential\" needs power_method = \"bcm\": only the headnode knows when a node has finished installing (IPMI only sees chassis power)."
    }
  }
}

resource "bcm_cmdevice_category" "custom" {
  count = var.create_custom_category ? 1 : 0

  name               = var.custom_category_name
  management_network = local.management_network_uuid
  install_mode       = var.install_mode
  kernel_parameters  = var.kernel_parameters
  disksetup          = var.disk_setup
  boot_loader        = var.boot_loader

  software_image_proxy = local.software_image_uuid == null ? null : {
    parent_software_image = local.software_image_uuid
  }

  # BCM's own IPMI calls (power_method = "bcm") use the category's BMC credentials.
  bmc_settings = var.bmc_username == null ? null : {
    user_name = var.bmc_username
    password  = var.bmc_password
    privilege = var.ipmi_privilege
  }

  lifecycle {
    precondition {
      condition     = var.software_image_name != null
      error_message = "create_custom_category needs software_image_name: the image the category's nodes run. Available: ${join(", ", local.available_image_names)}."
    }
    precondition {
      condition     = local.software_image != null
      error_message = local.software_image_not_found
    }
    precondition {
      condition     = local.management_network != null
      error_message = local.management_network_not_found
    }
  }

  depends_on = [terraform_data.preflight]
}

# One resource per number of interfaces (see local.device_specs_by_interface_count): a node
# whose interface count changes moves to another resource, which unregisters and registers it
# again. Do that in two applies (remove the node, add it back) so the hostname and MAC are free.

resource "bcm_cmdevice_device" "nodes_with_1_interface" {
  for_each = local.device_specs_by_interface_count[1]

  hostname           = each.key
  mac                = each.value.mac
  category           = each.value.category
  management_network = local.management_network_uuid
  power_control      = each.value.power_control
  roles              = each.value.roles

  interfaces {
    name      = each.value.interfaces[0].name
    type      = each.value.interfaces[0].type
    mac       = each.value.interfaces[0].mac
    ip        = each.value.interfaces[0].ip
    network   = each.value.interfaces[0].network
    dhcp      = each.value.interfaces[0].dhcp
    bootable  = each.value.interfaces[0].bootable
    members   = each.value.interfaces[0].members
    bond_mode = each.value.interfaces[0].bond_mode
  }

  lifecycle {
    precondition {
      condition     = each.value.category != null
      error_message = local.category_not_found[each.key]
    }
  }

  depends_on = [terraform_data.preflight]
}

resource "bcm_cmdevice_device" "nodes_with_2_interfaces" {
  for_each = local.device_specs_by_interface_count[2]

  hostname           = each.key
  mac                = each.value.mac
  category           = each.value.category
  management_network = local.management_network_uuid
  power_control      = each.value.power_control
  roles              = each.value.roles

  interfaces {
    name      = each.value.interfaces[0].name
    type      = each.value.interfaces[0].type
    mac       = each.value.interfaces[0].mac
    ip        = each.value.interfaces[0].ip
    network   = each.value.interfaces[0].network
    dhcp      = each.value.interfaces[0].dhcp
    bootable  = each.value.interfaces[0].bootable
    members   = each.value.interfaces[0].members
    bond_mode = each.value.interfaces[0].bond_mode
  }

  interfaces {
    name      = each.value.interfaces[1].name
    type      = each.value.interfaces[1].type
    mac       = each.value.interfaces[1].mac
    ip        = each.value.interfaces[1].ip
    network   = each.value.interfaces[1].network
    dhcp      = each.value.interfaces[1].dhcp
    bootable  = each.value.interfaces[1].bootable
    members   = each.value.interfaces[1].members
    bond_mode = each.value.interfaces[1].bond_mode
  }

  lifecycle {
    precondition {
      condition     = each.value.category != null
      error_message = local.category_not_found[each.key]
    }
  }

  depends_on = [terraform_data.preflight]
}

resource "bcm_cmdevice_device" "nodes_with_3_interfaces" {
  for_each = local.device_specs_by_interface_count[3]

  hostname           = each.key
  mac                = each.value.mac
  category           = each.value.category
  management_network = local.management_network_uuid
  power_control      = each.value.power_control
  roles              = each.value.roles

  interfaces {
    name      = each.value.interfaces[0].name
    type      = each.value.interfaces[0].type
    mac       = each.value.interfaces[0].mac
    ip        = each.value.interfaces[0].ip
    network   = each.value.interfaces[0].network
    dhcp      = each.value.interfaces[0].dhcp
    bootable  = each.value.interfaces[0].bootable
    members   = each.value.interfaces[0].members
    bond_mode = each.value.interfaces[0].bond_mode
  }

  interfaces {
    name      = each.value.interfaces[1].name
    type      = each.value.interfaces[1].type
    mac       = each.value.interfaces[1].mac
    ip        = each.value.interfaces[1].ip
    network   = each.value.interfaces[1].network
    dhcp      = each.value.interfaces[1].dhcp
    bootable  = each.value.interfaces[1].bootable
    members   = each.value.interfaces[1].members
    bond_mode = each.value.interfaces[1].bond_mode
  }

  interfaces {
    name      = each.value.interfaces[2].name
    type      = each.value.interfaces[2].type
    mac       = each.value.interfaces[2].mac
    ip        = each.value.interfaces[2].ip
    network   = each.value.interfaces[2].network
    dhcp      = each.value.interfaces[2].dhcp
    bootable  = each.value.interfaces[2].bootable
    members   = each.value.interfaces[2].members
    bond_mode = each.value.interfaces[2].bond_mode
  }

  lifecycle {
    precondition {
      condition     = each.value.category != null
      error_message = local.category_not_found[each.key]
    }
  }

  depends_on = [terraform_data.preflight]
}

resource "bcm_cmdevice_device" "nodes_with_4_interfaces" {
  for_each = local.device_specs_by_interface_count[4]

  hostname           = each.key
  mac                = each.value.mac
  category           = each.value.category
  management_network = local.management_network_uuid
  power_control      = each.value.power_control
  roles              = each.value.roles

  interfaces {
    name      = each.value.interfaces[0].name
    type      = each.value.interfaces[0].type
    mac       = each.value.interfaces[0].mac
    ip        = each.value.interfaces[0].ip
    network   = each.value.interfaces[0].network
    dhcp      = each.value.interfaces[0].dhcp
    bootable  = each.value.interfaces[0].bootable
    members   = each.value.interfaces[0].members
    bond_mode = each.value.interfaces[0].bond_mode
  }

  interfaces {
    name      = each.value.interfaces[1].name
    type      = each.value.interfaces[1].type
    mac       = each.value.interfaces[1].mac
    ip        = each.value.interfaces[1].ip
    network   = each.value.interfaces[1].network
    dhcp      = each.value.interfaces[1].dhcp
    bootable  = each.value.interfaces[1].bootable
    members   = each.value.interfaces[1].members
    bond_mode = each.value.interfaces[1].bond_mode
  }

  interfaces {
    name      = each.value.interfaces[2].name
    type      = each.value.interfaces[2].type
    mac       = each.value.interfaces[2].mac
    ip        = each.value.interfaces[2].ip
    network   = each.value.interfaces[2].network
    dhcp      = each.value.interfaces[2].dhcp
    bootable  = each.value.interfaces[2].bootable
    members   = each.value.interfaces[2].members
    bond_mode = each.value.interfaces[2].bond_mode
  }

  interfaces {
    name      = each.value.interfaces[3].name
    type      = each.value.interfaces[3].type
    mac       = each.value.interfaces[3].mac
    ip        = each.value.interfaces[3].ip
    network   = each.value.interfaces[3].network
    dhcp      = each.value.interfaces[3].dhcp
    bootable  = each.value.interfaces[3].bootable
    members   = each.value.interfaces[3].members
    bond_mode = each.value.interfaces[3].bond_mode
  }

  lifecycle {
    precondition {
      condition     = each.value.category != null
      error_message = local.category_not_found[each.key]
    }
  }

  depends_on = [terraform_data.preflight]
}

locals {
  # Every registered device by hostname, whichever resource holds it.
  devices = merge(
    bcm_cmdevice_device.nodes_with_1_interface,
    bcm_cmdevice_device.nodes_with_2_interfaces,
    bcm_cmdevice_device.nodes_with_3_interfaces,
    bcm_cmdevice_device.nodes_with_4_interfaces,
  )
}
