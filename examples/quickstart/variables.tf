variable "nodes" {
  description = "Nodes to register, keyed by hostname."
  type = map(object({
    mac      = string
    ipmi_ip  = string
    category = optional(string, "default")
    roles    = optional(list(string), [])
  }))

  validation {
    condition     = alltrue([for n in values(var.nodes) : can(regex("^([0-9a-f]{2}:){5}[0-9a-f]{2}$", lower(n.mac)))])
    error_message = "Every node needs a MAC address written as six colon-separated hex pairs."
  }

  validation {
    condition     = length(distinct([for n in values(var.nodes) : lower(n.mac)])) == length(var.nodes)
    error_message = "MAC addresses must be unique across nodes."
  }
}

variable "provisioning_mode" {
  type    = string
  default = "parallel"

  validation {
    condition     = contains(["sequential", "parallel"], var.provisioning_mode)
    error_message = "provisioning_mode must be \"sequential\" or \"parallel\"."
  }
}

variable "bmc_password" {
  type      = string
  sensitive = true
  default   = "changeme"
}
