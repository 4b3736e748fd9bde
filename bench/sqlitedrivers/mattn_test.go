//go:build mattn

package sqlitedrivers

import _ "github.com/mattn/go-sqlite3"

const driverName = "sqlite3"

func dsn(path string) string { return "file:" + path }
