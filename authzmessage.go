package keyward

// Encoded authorization messages: a refusal of another service's action
// (Service.Authorize) carries the details of the decision sealed under the
// master key, in the form AWS's DecodeAuthorizationMessage returns, so
// that only a caller allowed sts:DecodeAuthorizationMessage reads why.
