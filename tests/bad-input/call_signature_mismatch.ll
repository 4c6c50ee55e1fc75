; Valid IR (opaque pointers let a call site pick its own signature) that passes an int where puts takes a pointer:
; it crashes inside libc, as its native build does, and the report names the caller.
declare i32 @puts(ptr)
define i32 @main() {
  %r = call i32 @puts(i32 7)
  ret i32 0
}
