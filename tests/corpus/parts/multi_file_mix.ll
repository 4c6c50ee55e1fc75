; Part of tests/corpus/multi_file.c (not a corpus program of its own): a function written as IR.
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define i32 @mix32(i32 %x, i32 %k) {
entry:
  %a = xor i32 %x, %k
  %b = mul i32 %a, -1640531535
  %c = lshr i32 %b, 16
  %d = xor i32 %b, %c
  ret i32 %d
}
