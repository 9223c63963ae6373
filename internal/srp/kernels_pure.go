//go:build math_big_pure_go

package srp

import "math/big"

func addMulVVW(z, x []big.Word, y big.Word) big.Word { return addMulVVWGeneric(z, x, y) }
func subVV(z, x, y []big.Word) big.Word              { return subVVGeneric(z, x, y) }
func shlVU(z, x []big.Word, s uint) big.Word         { return shlVUGeneric(z, x, s) }
