define i32 @main() {
entry:
  %i = phi i32 [ 0, %loop ]
  br label %loop
loop:
  br label %entry
}
