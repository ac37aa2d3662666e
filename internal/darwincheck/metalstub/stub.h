// Forced include of darwincheck.ShaderSyntax (clang -include stub.h): the Metal kernels' own
// #include <metal_stdlib> then finds metalstub/metal_stdlib through -I.
#include <metal_stdlib>
