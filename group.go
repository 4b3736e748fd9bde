package keyward

import (
	"time"
)

// GroupNotFound is AWS's NoSuchEntity for a group name.
func GroupNotFound(name string) *Error {
	return Errorf(ENoSuchEntity, "The group with name %s cannot be found.", name)
}

// Group is an IAM group: a set of users that share the group's policies.
type Group struct {
	// ID is AWS's unique group ID, "AGPA" and 17 more characters.
	ID        string
	Name      string
	Path      string
	CreatedAt time.Time
}

// Entity names a user or a group, the two kinds of entity that policies
// attach to.
type Entity struct {
	Kind string // EntityUser or EntityGroup
	Name string
}

// Entity kinds.
const (
	EntityUser  = "user"
	EntityGroup = "group"
)

// GroupARN returns the ARN of a group.
func (a Account) GroupARN(path, name string) string {
	return a.iamARN("group", path, name)
}
