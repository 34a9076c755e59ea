# The BMCs of start-bmcs.sh: ipmi_sim on 127.0.0.1, ports 6230 and up.
nodes = {
  "ipmi-01" = { mac = "52:54:00:50:00:01", ipmi_ip = "127.0.0.1", ipmi_port = 6230, management_ip = "10.141.50.1" }
  "ipmi-02" = { mac = "52:54:00:50:00:02", ipmi_ip = "127.0.0.1", ipmi_port = 6231, management_ip = "10.141.50.2" }
  "ipmi-03" = { mac = "52:54:00:50:00:03", ipmi_ip = "127.0.0.1", ipmi_port = 6232, management_ip = "10.141.50.3" }
}
