//go:build tools

// Package tools pins the programs that scripts/stack.d/influxdb.sh builds from
// this module: influxd (InfluxDB 2.x, without the UI) and InfluxData's
// pkg-config wrapper, which builds Flux's Rust library (libflux) with cargo
// when cgo asks for `pkg-config flux`. It is never compiled (build tag).
package tools

import (
	_ "github.com/influxdata/influxdb/v2/cmd/influxd"
	_ "github.com/influxdata/pkg-config"
)
