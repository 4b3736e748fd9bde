package lifecycle

import "github.com/keyward/keyward"

// Operations are the key lifecycle's operations, Keyward extensions on
// the IAM endpoint: each is authorised as keyward:<Name>.
var Operations = keyward.OperationTable(keyward.ServiceKeyward, map[string]keyward.Operation{
	"PutAccessKeyPolicy": keyward.Changes(
		keyward.OptParam("MaxAge", keyward.KeyDurationShape), keyward.OptParam("Warn", keyward.KeyDurationShape),
		keyward.OptParam("Unused", keyward.KeyDurationShape), keyward.OptParam("DeleteInactive", keyward.KeyDurationShape),
		keyward.BoolParam("ReportOnly"), keyward.ListParam("ReportOnlyRules", ruleShape, false),
		keyward.OptParam("PathPrefix", keyward.PathPrefixShape), keyward.OptParam("TagKey", keyward.TagKeyShape),
		keyward.OptParam("TagValue", keyward.TagValueShape), keyward.ListParam("ScopedRules", ruleShape, false)),
	"GetAccessKeyPolicy":    keyward.Reads(),
	"DeleteAccessKeyPolicy": keyward.Changes(),
})

// ruleShape is a rule's name as the API gives it.
var ruleShape = keyward.NewStringShape("keyLifecycleRuleType", 0, 0, "", "max-age", "unused", "delete-inactive")
