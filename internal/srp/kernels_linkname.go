//go:build !math_big_pure_go

package srp

import (
	"math/big"
	_ "unsafe" // for go:linkname
)

// The Montgomery arithmetic in montgomery.go runs on math/big's own vector
// kernels (assembly on every architecture Go supports, MULX/ADCX/ADOX on
// amd64 where the CPU has them). math/big keeps these few exported to
// linkname on purpose, with a promise not to remove them or change their
// signatures (go.dev/issue/67401); a pure-Go loop with math/bits is about
// twice as slow, which is the whole margin we are after. The
// math_big_pure_go build tag swaps in kernels_generic.go's loops, as it does
// for math/big itself.

//go:linkname addMulVVW math/big.addMulVVW
func addMulVVW(z, x []big.Word, y big.Word) (c big.Word)

//go:linkname subVV math/big.subVV
//go:noescape
func subVV(z, x, y []big.Word) (c big.Word)

//go:linkname shlVU math/big.shlVU
func shlVU(z, x []big.Word, s uint) (c big.Word)
