nodes = {
  "dev-cpu-01" = { mac = "52:54:00:21:00:01", ipmi_ip = "10.148.21.1", management_ip = "10.141.21.1" }
  "dev-cpu-02" = { mac = "52:54:00:21:00:02", ipmi_ip = "10.148.21.2", management_ip = "10.141.21.2" }
}
