variable "node_count" {
  description = "How many nodes to register."
  type        = number
  default     = 20

  validation {
    condition     = var.node_count >= 1 && var.node_count <= 4096
    error_message = "node_count must be between 1 and 4096."
  }
}

variable "hostname_prefix" {
  type    = string
  default = "node"
}

variable "rack" {
  description = "Rack number, part of every generated MAC address."
  type        = number
  default     = 1
}

variable "category" {
  type    = string
  default = "default"
}

variable "network" {
  type    = string
  default = "internalnet"
}

variable "power_action" {
  type    = string
  default = "power_on"

  validation {
    condition     = contains(["power_on", "power_off", "power_cycle", "power_reset"], var.power_action)
    error_message = "power_action must be one of power_on, power_off, power_cycle, power_reset."
  }
}
