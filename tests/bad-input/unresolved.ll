declare i32 @not_in_any_library_a(i32)
declare i32 @not_in_any_library_b(i32)
define i32 @main() {
  %a = call i32 @not_in_any_library_a(i32 1)
  %b = call i32 @not_in_any_library_b(i32 %a)
  ret i32 %b
}
