define i32 @main() {
  %x = add i64 1, 2
  ret i32 %x
}
