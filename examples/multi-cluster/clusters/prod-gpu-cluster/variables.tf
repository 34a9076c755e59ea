variable "nodes" {
  description = "This cluster's nodes, keyed by hostname (terraform.tfvars)."
  type = map(object({
    mac           = string
    ipmi_ip       = string
    management_ip = optional(string)
    category      = optional(string)
    roles         = optional(list(string), [])
  }))
}

variable "enable_power_action" {
  description = "Opt in to power operations for this apply."
  type        = bool
  default     = false
}

variable "power_action" {
  type    = string
  default = "power_on"
}

variable "bmc_username" {
  type      = string
  default   = null
  sensitive = true
}

variable "bmc_password" {
  type      = string
  default   = null
  sensitive = true
}
