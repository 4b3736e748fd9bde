package iam

import (
	"github.com/keyward/keyward"
)

// publish hands a change to the subscribers, if any.
func (s *Service) publish(c keyward.Change) {
	if s.Changes != nil {
		s.Changes(c)
	}
}
