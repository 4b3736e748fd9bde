//go:build !ncruces && !mattn

package sqlitedrivers

import _ "modernc.org/sqlite"

const driverName = "sqlite"

func dsn(path string) string { return "file:" + path }
