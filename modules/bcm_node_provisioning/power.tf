# Power: one variant per power_method, each opt-in through enable_power_action. A power action
# is sent when its resource is created and again when power_action, a node's category or image,
# or power_triggers change; an unchanged apply sends nothing.

# power_method = "bcm" (default): the headnode powers the node through its BMC and reports its
# status; with wait_for_completion the apply waits until the node is UP (DOWN for power_off).
# provisioning_mode is bcmhcl's scheduler: sequential powers one node at a time in hostname
# order, the next when the previous is UP or failed; parallel lets the headnode's provisioning
# slots queue them.
resource "bcm_cmdevice_power" "node_power" {
  for_each = var.enable_power_action && var.power_method == "bcm" ? var.nodes : {}

  device_id           = local.devices[each.key].id
  power_action        = var.power_action
  wait_for_completion = var.wait_for_completion
  timeout             = "${var.power_timeout_seconds}s"
  provisioning_mode   = var.provisioning_mode
  triggers            = local.power_triggers[each.key]
}

# power_method = "ipmitool": the fallback for hosts without bcmhcl's IPMI client or a BCM that
# cannot power nodes. ipmitool must be installed where the apply runs. The BMC user and
# password travel in the environment (ipmitool -E reads IPMI_PASSWORD), never on a command line.
resource "null_resource" "node_power_ipmitool" {
  for_each = var.enable_power_action && var.power_method == "ipmitool" ? var.nodes : {}

  # A change of any of these replaces the resource, which runs the command again.
  triggers = merge(local.power_triggers[each.key], {
    device       = local.devices[each.key].id
    bmc          = "${each.value.ipmi_ip}:${each.value.ipmi_port}"
    power_action = var.power_action
  })

  provisioner "local-exec" {
    interpreter = ["/bin/sh", "-c"]
    command     = <<-EOT
      set -u
      attempt=1
      until "$IPMITOOL" -I lanplus -C "$CIPHER_SUITE" -L "$PRIVILEGE" -H "$BMC_HOST" -p "$BMC_PORT" -U "$IPMI_USER" -E -N 5 -R 1 chassis power "$CHASSIS_ACTION"; do
        if [ "$attempt" -ge "$RETRIES" ]; then
          echo "ERROR: chassis power $CHASSIS_ACTION on $NODE ($BMC_HOST:$BMC_PORT) failed after $attempt attempts" >&2
          exit 1
        fi
        attempt=$((attempt + 1))
        sleep "$RETRY_DELAY"
      done
      if [ "$WAIT" = true ]; then
        deadline=$(($(date +%s) + TIMEOUT))
        until [ "$("$IPMITOOL" -I lanplus -C "$CIPHER_SUITE" -L "$PRIVILEGE" -H "$BMC_HOST" -p "$BMC_PORT" -U "$IPMI_USER" -E -N 5 -R 1 chassis power status 2>/dev/null)" = "Chassis Power is $EXPECTED_STATE" ]; do
          if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "ERROR: $NODE ($BMC_HOST:$BMC_PORT) did not report chassis power $EXPECTED_STATE within $TIMEOUT s" >&2
            exit 1
          fi
          sleep 1
        done
      fi
      echo "SUCCESS: chassis power $CHASSIS_ACTION on $NODE ($BMC_HOST:$BMC_PORT)"
    EOT

    environment = {
      IPMITOOL       = var.ipmitool_path
      CIPHER_SUITE   = tostring(var.ipmitool_cipher_suite)
      PRIVILEGE      = var.ipmi_privilege
      BMC_HOST       = each.value.ipmi_ip
      BMC_PORT       = tostring(each.value.ipmi_port)
      NODE           = each.key
      CHASSIS_ACTION = local.chassis_action
      EXPECTED_STATE = local.expected_chassis_state
      WAIT           = tostring(var.wait_for_completion)
      TIMEOUT        = tostring(var.power_timeout_seconds)
      RETRIES        = tostring(var.ipmitool_retries)
      RETRY_DELAY    = tostring(var.ipmitool_retry_delay_seconds)
      IPMI_USER      = var.bmc_username
      IPMI_PASSWORD  = var.bmc_password
    }
  }
}

# power_method = "ipmi": bcmhcl's built-in IPMI v2.0 client (RMCP+, cipher suite 3), no
# external tool; power_state is what the BMC reported after the action (and the wait).
resource "ipmi_power" "node_power" {
  for_each = var.enable_power_action && var.power_method == "ipmi" ? var.nodes : {}

  host           = each.value.ipmi_ip
  port           = each.value.ipmi_port
  username       = var.bmc_username
  password       = var.bmc_password
  privilege      = var.ipmi_privilege
  action         = local.chassis_action
  wait_for_state = var.wait_for_completion ? local.expected_chassis_state : null
  timeout        = var.power_timeout_seconds
  triggers = merge(local.power_triggers[each.key], {
    device = local.devices[each.key].id
  })
}
