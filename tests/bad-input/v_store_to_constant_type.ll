define i32 @main() {
  store i32 1, i32 2
  ret i32 0
}
