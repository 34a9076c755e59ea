# ---------------------------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------------------------

variable "nodes" {
  description = <<-EOT
    Nodes to register, keyed by hostname. mac is the MAC of the interface the node PXE-boots from,
    ipmi_ip the address of its BMC. Without interfaces, a node gets BOOTIF (physical, bootable,
    on the management network, static management_ip or DHCP) and, when bmc_network_name is set,
    ipmi0 (its BMC, on that network). With interfaces, exactly one must be bootable; the BMC
    interface is still added unless the list has one of type "bmc". Interface networks are
    network names (default: the management network, or the BMC network for type "bmc").
  EOT
  type = map(object({
    mac           = string
    ipmi_ip       = string
    ipmi_port     = optional(number, 623)
    management_ip = optional(string)
    bmc_mac       = optional(string)
    category      = optional(string)
    roles         = optional(list(string), [])
    interfaces = optional(list(object({
      name      = string
      type      = optional(string, "physical")
      mac       = optional(string)
      ip        = optional(string)
      network   = optional(string)
      dhcp      = optional(bool)
      bootable  = optional(bool, false)
      members   = optional(list(string), [])
      bond_mode = optional(string)
    })), [])
  }))

  validation {
    condition     = alltrue([for hostname in keys(var.nodes) : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", hostname))])
    error_message = "Invalid hostname(s): ${join(", ", [for hostname in keys(var.nodes) : hostname if !can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", hostname))])}. A hostname is 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen."
  }

  validation {
    condition = alltrue(flatten([
      for hostname, node in var.nodes : [
        for mac in concat([node.mac], compact([node.bmc_mac]), compact([for i in node.interfaces : i.mac])) :
        can(regex("^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$", mac))
      ]
    ]))
    error_message = "Invalid MAC address(es): ${join(", ", flatten([for hostname, node in var.nodes : [for mac in concat([node.mac], compact([node.bmc_mac]), compact([for i in node.interfaces : i.mac])) : "${mac} (${hostname})" if !can(regex("^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$", mac))]]))}. Write a MAC as six colon-separated hex pairs, e.g. 52:54:00:0a:00:01."
  }

  # Each node's MACs (its PXE MAC, BMC MAC and interface MACs, once each) may appear on no other node.
  validation {
    condition = alltrue([
      for mac, hostnames in {
        for pair in flatten([
          for hostname, node in var.nodes : [
            for mac in distinct([for m in concat([node.mac], compact([node.bmc_mac]), compact([for i in node.interfaces : i.mac])) : lower(m)]) :
            { mac = mac, hostname = hostname }
          ]
        ]) : pair.mac => pair.hostname...
      } : length(hostnames) == 1
    ])
    error_message = "Duplicate MAC address(es): ${join("; ", [for mac, hostnames in { for pair in flatten([for hostname, node in var.nodes : [for mac in distinct([for m in concat([node.mac], compact([node.bmc_mac]), compact([for i in node.interfaces : i.mac])) : lower(m)]) : { mac = mac, hostname = hostname }]]) : pair.mac => pair.hostname... } : "${mac} is used by ${join(", ", hostnames)}" if length(hostnames) > 1])}. Every MAC address must belong to one node."
  }

  validation {
    condition = alltrue(flatten([
      for hostname, node in var.nodes : [
        for ip in concat([node.ipmi_ip], compact([node.management_ip]), compact([for i in node.interfaces : i.ip])) :
        can(regex("^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$", ip))
      ]
    ]))
    error_message = "Invalid IPv4 address(es): ${join(", ", flatten([for hostname, node in var.nodes : [for ip in concat([node.ipmi_ip], compact([node.management_ip]), compact([for i in node.interfaces : i.ip])) : "${ip} (${hostname})" if !can(regex("^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$", ip))]]))}. Write an IPv4 address as four dot-separated numbers 0-255."
  }

  # A BMC port may repeat (BMCs behind one address are told apart by port), an address/port pair may not.
  validation {
    condition = alltrue([
      for address, hostnames in {
        for pair in flatten([
          for hostname, node in var.nodes : [
            for address in distinct(concat(["${node.ipmi_ip}:${node.ipmi_port}"], compact([node.management_ip]), compact([for i in node.interfaces : i.ip]))) :
            { address = address, hostname = hostname }
          ]
        ]) : pair.address => pair.hostname...
      } : length(hostnames) == 1
    ])
    error_message = "Duplicate address(es): ${join("; ", [for address, hostnames in { for pair in flatten([for hostname, node in var.nodes : [for address in distinct(concat(["${node.ipmi_ip}:${node.ipmi_port}"], compact([node.management_ip]), compact([for i in node.interfaces : i.ip]))) : { address = address, hostname = hostname }]]) : pair.address => pair.hostname... } : "${address} is used by ${join(", ", hostnames)}" if length(hostnames) > 1])}. Management IPs, interface IPs and BMC address:port pairs must be unique."
  }

  validation {
    condition     = alltrue([for node in values(var.nodes) : node.ipmi_port >= 1 && node.ipmi_port <= 65535 && floor(node.ipmi_port) == node.ipmi_port])
    error_message = "ipmi_port must be a whole number from 1 to 65535."
  }

  validation {
    condition = alltrue(flatten([
      for node in values(var.nodes) : [
        for i in node.interfaces :
        contains(["physical", "bond", "bmc"], i.type) && can(regex("^[a-zA-Z][a-zA-Z0-9_-]{0,62}$", i.name))
      ]
    ]))
    error_message = "Invalid interface(s): ${join(", ", flatten([for hostname, node in var.nodes : [for i in node.interfaces : "${hostname}/${i.name} (type ${i.type})" if !(contains(["physical", "bond", "bmc"], i.type) && can(regex("^[a-zA-Z][a-zA-Z0-9_-]{0,62}$", i.name)))]]))}. An interface type is physical, bond or bmc; a name starts with a letter and has up to 63 letters, digits, _ and -."
  }

  validation {
    condition = alltrue([
      for node in values(var.nodes) :
      length(distinct([for i in node.interfaces : i.name])) == length(node.interfaces) && length([for i in node.interfaces : i if i.type == "bmc"]) <= 1
    ])
    error_message = "Interface names must be unique within a node, and a node has at most one interface of type bmc: check ${join(", ", [for hostname, node in var.nodes : hostname if !(length(distinct([for i in node.interfaces : i.name])) == length(node.interfaces) && length([for i in node.interfaces : i if i.type == "bmc"]) <= 1)])}."
  }

  validation {
    condition = alltrue([
      for node in values(var.nodes) :
      length(node.interfaces) == 0 || length([for i in node.interfaces : i if i.bootable && i.type != "bmc"]) == 1 && length([for i in node.interfaces : i if i.bootable]) == 1
    ])
    error_message = "Exactly one interface of a node must be bootable (the one it PXE-boots from, not its BMC): check ${join(", ", [for hostname, node in var.nodes : "${hostname} (${length([for i in node.interfaces : i if i.bootable])} bootable)" if !(length(node.interfaces) == 0 || length([for i in node.interfaces : i if i.bootable && i.type != "bmc"]) == 1 && length([for i in node.interfaces : i if i.bootable]) == 1)])}."
  }

  # The bootable physical interface is the one the node's mac names.
  validation {
    condition = alltrue(flatten([
      for node in values(var.nodes) : [
        for i in node.interfaces : lower(i.mac) == lower(node.mac)
        if i.bootable && i.type == "physical" && i.mac != null
      ]
    ]))
    error_message = "The bootable physical interface's mac must be the node's mac (leave it out to use the node's): check ${join(", ", flatten([for hostname, node in var.nodes : [for i in node.interfaces : "${hostname}/${i.name}" if i.bootable && i.type == "physical" && i.mac != null && lower(coalesce(i.mac, "-")) != lower(node.mac)]]))}."
  }

  validation {
    condition = alltrue(flatten([
      for node in values(var.nodes) : [
        for i in node.interfaces :
        length(i.members) > 0 && length(setsubtract(i.members, [for p in node.interfaces : p.name if p.type == "physical"])) == 0 && contains(["802.3ad", "active-backup", "balance-rr", "balance-xor", "broadcast", "balance-tlb", "balance-alb"], coalesce(i.bond_mode, "active-backup"))
        if i.type == "bond"
      ]
    ]))
    error_message = "A bond interface needs members that name physical interfaces of the same node, and a bond_mode (if set) of 802.3ad, active-backup, balance-rr, balance-xor, broadcast, balance-tlb or balance-alb: check ${join(", ", flatten([for hostname, node in var.nodes : [for i in node.interfaces : "${hostname}/${i.name}" if i.type == "bond" && !(length(i.members) > 0 && length(setsubtract(i.members, [for p in node.interfaces : p.name if p.type == "physical"])) == 0 && contains(["802.3ad", "active-backup", "balance-rr", "balance-xor", "broadcast", "balance-tlb", "balance-alb"], coalesce(i.bond_mode, "active-backup")))]]))}."
  }
}

# ---------------------------------------------------------------------------------------------
# Lookups on the headnode (by name)
# ---------------------------------------------------------------------------------------------

variable "management_network_name" {
  description = "Network the nodes provision over (their bootable interface's network and the category's management network)."
  type        = string
  default     = "internalnet"
}

variable "bmc_network_name" {
  description = "Out-of-band network of the BMC interfaces (ipmi0). null: register no BMC interface."
  type        = string
  default     = "ipminet"
}

variable "category_name" {
  description = "Category of nodes that name none (when create_custom_category is false)."
  type        = string
  default     = "default"
}

variable "software_image_name" {
  description = "Software image the nodes run. With create_custom_category it is the custom category's image; without, every node's category must already run it. null: whatever the categories run."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------
# Optional custom category
# ---------------------------------------------------------------------------------------------

variable "create_custom_category" {
  description = "Create a category (custom_category_name) running software_image_name; nodes that name no category get it."
  type        = bool
  default     = false
}

variable "custom_category_name" {
  description = "Name of the category created when create_custom_category is true."
  type        = string
  default     = "bcm-node-provisioning"

  validation {
    condition     = length(var.custom_category_name) >= 1 && length(var.custom_category_name) <= 255
    error_message = "custom_category_name must be 1-255 characters."
  }
}

variable "install_mode" {
  description = "Custom category's install mode: AUTO (incremental sync), FULL (repartition and full sync) or MINIMAL."
  type        = string
  default     = "AUTO"

  validation {
    condition     = contains(["AUTO", "FULL", "MINIMAL"], var.install_mode)
    error_message = "install_mode must be one of AUTO, FULL, MINIMAL."
  }
}

variable "kernel_parameters" {
  description = "Custom category's kernel command-line parameters."
  type        = string
  default     = null
}

variable "disk_setup" {
  description = "Custom category's disk setup XML (BCM's disksetup, at most 10 KB)."
  type        = string
  default     = null

  validation {
    condition     = var.disk_setup == null || length(coalesce(var.disk_setup, " ")) <= 10240 && can(regex("^\\s*<", coalesce(var.disk_setup, "<")))
    error_message = "disk_setup must be an XML document of at most 10240 characters."
  }
}

variable "boot_loader" {
  description = "Custom category's boot loader: SYSLINUX, GRUB, GRUB2 or PXELINUX (null: BCM's default)."
  type        = string
  default     = null

  validation {
    condition     = var.boot_loader == null || contains(["SYSLINUX", "GRUB", "GRUB2", "PXELINUX"], coalesce(var.boot_loader, "-"))
    error_message = "boot_loader must be one of SYSLINUX, GRUB, GRUB2, PXELINUX."
  }
}

# ---------------------------------------------------------------------------------------------
# Power
# ---------------------------------------------------------------------------------------------

variable "enable_power_action" {
  description = "Send power_action to the nodes. Off by default: power operations reboot machines, so each use is an explicit opt-in."
  type        = bool
  default     = false
}

variable "power_action" {
  description = "Power action sent when enable_power_action is true. Changing it sends it again; so does a change of a node's category or image."
  type        = string
  default     = "power_on"

  validation {
    condition     = contains(["power_on", "power_off", "power_cycle", "power_reset"], var.power_action)
    error_message = "power_action must be one of: power_on, power_off, power_cycle, power_reset."
  }
}

variable "power_method" {
  description = "How power is switched: bcm (the headnode, bcm_cmdevice_power; waits until nodes are UP), ipmitool (null_resource + local-exec running ipmitool against each BMC) or ipmi (bcmhcl's built-in IPMI client, ipmi_power)."
  type        = string
  default     = "bcm"

  validation {
    condition     = contains(["bcm", "ipmitool", "ipmi"], var.power_method)
    error_message = "power_method must be one of: bcm, ipmitool, ipmi."
  }
}

variable "provisioning_mode" {
  description = "sequential: one node at a time in hostname order, the next when the previous is UP (or failed); parallel: all at once within the headnode's provisioning slots. Needs power_method = bcm for sequential."
  type        = string
  default     = "parallel"

  validation {
    condition     = contains(["sequential", "parallel"], var.provisioning_mode)
    error_message = "provisioning_mode must be one of: sequential, parallel."
  }
}

variable "wait_for_completion" {
  description = "Wait until each node is UP (DOWN for power_off) with power_method bcm, or until the chassis reports the expected power state with ipmitool and ipmi."
  type        = bool
  default     = true
}

variable "power_timeout_seconds" {
  description = "How long one node's power action may take, waiting included (PXE boot and image install take minutes)."
  type        = number
  default     = 1800

  validation {
    condition     = var.power_timeout_seconds >= 10 && var.power_timeout_seconds <= 86400
    error_message = "power_timeout_seconds must be between 10 and 86400."
  }
}

variable "power_triggers" {
  description = "Arbitrary values; changing any of them sends power_action again to every node."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------
# BMC credentials and the IPMI variants
# ---------------------------------------------------------------------------------------------

variable "bmc_username" {
  description = "BMC user. Required for power_method ipmitool and ipmi; with create_custom_category it also goes into the category's BMC settings, which BCM uses for its own IPMI calls."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.bmc_username == null || length(coalesce(var.bmc_username, "x")) <= 16
    error_message = "bmc_username must be at most 16 characters (IPMI v2.0)."
  }
}

variable "bmc_password" {
  description = "BMC password (see bmc_username). Passed to ipmitool through IPMI_PASSWORD, never on a command line."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.bmc_password == null || length(coalesce(var.bmc_password, "x")) <= 20
    error_message = "bmc_password must be at most 20 characters (IPMI v2.0)."
  }
}

variable "ipmi_privilege" {
  description = "IPMI session privilege for ipmitool and ipmi: ADMINISTRATOR or OPERATOR."
  type        = string
  default     = "ADMINISTRATOR"

  validation {
    condition     = contains(["ADMINISTRATOR", "OPERATOR"], var.ipmi_privilege)
    error_message = "ipmi_privilege must be ADMINISTRATOR or OPERATOR."
  }
}

variable "ipmitool_path" {
  description = "The ipmitool executable (power_method = ipmitool)."
  type        = string
  default     = "ipmitool"
}

variable "ipmitool_cipher_suite" {
  description = "RMCP+ cipher suite ipmitool uses (-C): 3 (HMAC-SHA1, AES-CBC-128; widest support) or 17 (HMAC-SHA256)."
  type        = number
  default     = 3

  validation {
    condition     = contains([3, 17], var.ipmitool_cipher_suite)
    error_message = "ipmitool_cipher_suite must be 3 or 17."
  }
}

variable "ipmitool_retries" {
  description = "Attempts ipmitool makes per node before the power action fails."
  type        = number
  default     = 5

  validation {
    condition     = var.ipmitool_retries >= 1 && var.ipmitool_retries <= 20
    error_message = "ipmitool_retries must be between 1 and 20."
  }
}

variable "ipmitool_retry_delay_seconds" {
  description = "Seconds between ipmitool attempts."
  type        = number
  default     = 10

  validation {
    condition     = var.ipmitool_retry_delay_seconds >= 0 && var.ipmitool_retry_delay_seconds <= 300
    error_message = "ipmitool_retry_delay_seconds must be between 0 and 300."
  }
}
