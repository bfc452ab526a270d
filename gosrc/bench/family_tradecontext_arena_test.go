//go:build goexperiment.arenas

package bench

func init() { issue3Scenarios["TradeContext/arena"] = nil }
