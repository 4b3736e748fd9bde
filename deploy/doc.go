// Package deploy holds what turns Keyward into things people install: the
// release build and its .deb and .rpm packages (package dist, run by make
// dist), the systemd unit and package scripts (packaging/), the container
// image's tests (container/) and the Helm chart (helm/keyward).
//
// It is a module of its own so that nfpm's and Helm's large dependency
// trees never reach the keyward binary's module.
package deploy
