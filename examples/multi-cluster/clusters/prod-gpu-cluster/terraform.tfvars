nodes = {
  "prod-dgx-01" = { mac = "52:54:00:20:00:01", ipmi_ip = "10.148.20.1", management_ip = "10.141.20.1" }
  "prod-dgx-02" = { mac = "52:54:00:20:00:02", ipmi_ip = "10.148.20.2", management_ip = "10.141.20.2" }
  "prod-dgx-03" = { mac = "52:54:00:20:00:03", ipmi_ip = "10.148.20.3", management_ip = "10.141.20.3" }
}
