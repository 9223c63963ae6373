//go:build !amd64

package srp

import "math/big"

func mulRows(t, x, y []big.Word)           { mulRowsGeneric(t, x, y) }
func sqrTriangle(t, x []big.Word)          { sqrTriangleGeneric(t, x) }
func sqrDiag(t, x []big.Word)              { sqrDiagGeneric(t, x) }
func montReduce(t []big.Word) (c big.Word) { return montReduceGeneric(t) }
