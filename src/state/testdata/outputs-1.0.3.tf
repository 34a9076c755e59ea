output "n" { value = null }
output "s" {
  value = "a<b>&c\u2028\u0008"
  sensitive = true
}
output "set" { value = toset(["b","a"]) }
output "m" { value = tomap({x = 1.5, y = 100000000000000000000}) }
output "e" { value = [] }
output "eo" { value = {} }
output "l" { value = tolist([null, "x"]) }
