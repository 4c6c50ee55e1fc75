define i32 @main(i32 %argc, ptr %argv) {
entry:
  %c = icmp sgt i32 %argc, 1
  br i1 %c, label %a, label %b
a:
  %v = add i32 %argc, 1
  br label %b
b:
  ret i32 %v
}
