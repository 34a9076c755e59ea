#!/usr/bin/env python3
"""Generates the seed's module shape for N nodes with terraform_data instances standing in for
the devices and the power operations (chained in sequential mode), plus the status locals.
Usage: gen_plan_module.py N OUTDIR [sequential|parallel]"""
import json
import os
import sys

n = int(sys.argv[1])
out = sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else "parallel"
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "main.tf"), "w") as f:
    f.write('''variable "nodes" {
  type = map(object({
    mac     = string
    ipmi_ip = string
  }))
}

variable "provisioning_mode" {
  type    = string
  default = "%s"
}

locals {
  hostnames = sort(keys(var.nodes))
  previous  = { for i, h in local.hostnames : h => i > 0 ? local.hostnames[i - 1] : null }
}

resource "terraform_data" "device" {
  for_each = var.nodes
  input = {
    hostname = each.key
    mac      = each.value.mac
  }
}

resource "terraform_data" "power" {
  for_each = var.nodes
  input = {
    device = terraform_data.device[each.key].id
    after  = var.provisioning_mode == "sequential" && local.previous[each.key] != null ? terraform_data.power[local.previous[each.key]].id : null
  }
}

locals {
  node_status = {
    for hostname, node in var.nodes :
    hostname => {
      found   = contains([for h, d in terraform_data.device : h], hostname)
      ipmi_ip = node.ipmi_ip
    }
  }
}

output "summary" {
  value = {
    total = length(var.nodes)
    found = length([for h, s in local.node_status : h if s.found])
  }
}
''' % mode)
nodes = {}
for i in range(n):
    nodes["node-%05d" % i] = {"mac": "02:00:00:%02x:%02x:%02x" % ((i >> 16) & 255, (i >> 8) & 255, i & 255),
                               "ipmi_ip": "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)}
with open(os.path.join(out, "terraform.tfvars.json"), "w") as f:
    json.dump({"nodes": nodes}, f)
