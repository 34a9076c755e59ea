variable "nodes" {
  description = "Nodes to register, keyed by hostname (see the module's README for every field)."
  type = map(object({
    mac           = string
    ipmi_ip       = string
    management_ip = optional(string)
    category      = optional(string)
    roles         = optional(list(string), [])
  }))
}

variable "enable_power_action" {
  type    = bool
  default = true
}

variable "power_action" {
  type    = string
  default = "power_on"
}

variable "provisioning_mode" {
  type    = string
  default = "parallel"
}
