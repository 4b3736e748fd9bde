// Package terraform holds the end-to-end test of Keyward under Terraform's
// AWS provider: the real keyward program, the real terraform and provider.
// It is a package of its own so that `go test ./...` runs it beside the
// other packages' tests, not after them.
package terraform
