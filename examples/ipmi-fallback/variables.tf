variable "nodes" {
  description = "Nodes and their BMCs (ipmi_ip:ipmi_port)."
  type = map(object({
    mac           = string
    ipmi_ip       = string
    ipmi_port     = optional(number, 623)
    management_ip = optional(string)
  }))
}

variable "power_method" {
  description = "ipmitool (the ipmitool executable on this machine) or ipmi (bcmhcl's own IPMI client)."
  type        = string
  default     = "ipmitool"
}

variable "power_action" {
  type    = string
  default = "power_on"
}

variable "bmc_username" {
  type      = string
  default   = "admin"
  sensitive = true
}

variable "bmc_password" {
  description = "Set it with TF_VAR_bmc_password; it reaches ipmitool through IPMI_PASSWORD only."
  type        = string
  sensitive   = true
}
