define i32 @main(i32 %argc, ptr %argv) {
entry:
  br label %next
next:
  %p = phi i32 [ 0, %entry ], [ 1, %other ]
  ret i32 %p
other:
  ret i32 2
}
