package keyward

// ActionVerify is the permission to ask Keyward about requests another
// service authenticated with Keyward's keys: the signing key of a scope,
// what a key's owner may do, who exists (the S3 gateway's protocol, the Go
// middleware). The root user has it, as everything; grant it to the
// identity a gateway signs its own calls with, and to nobody else.
const ActionVerify = "keyward:Verify"
