// This file is empty on purpose: a package with a .s file may declare
// functions without a body, which kernels_linkname.go needs for the math/big
// kernels it links to.
