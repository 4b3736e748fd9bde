// Decides a batch of generated cases with @cloud-copilot/iam-simulate, the
// independent implementation that policy/differential_test.go compares
// Keyward's policy engine with.
//
//   node run.mjs cases.json > decisions.json
//
// cases.json is a JSON array of cases:
//   {"id": 7, "identity": ["<policy JSON>", …], "boundary": ["<policy JSON>"] | null,
//    "scps": [["<policy JSON>", …], …] | null (one list per level, the organization's root first),
//    "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
//    "context": [{"key": "aws:username", "values": ["alice"], "list": false}, …]}
// and the output is an array, in the same order, of
//   {"id": 7, "decision": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied"}
// or {"id": 7, "error": "…"} when the simulator refused the case.
//
// runUnsafeSimulation evaluates the given policies without checking the
// action and resource against AWS's service reference: the cases use a few
// real actions but are about the policy language, not the catalogue.
import { readFileSync } from 'node:fs'
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate'

const account = '123456789012'
const principal = `arn:aws:iam::${account}:user/alice`

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const out = cases.map((c) => {
  // A key given as a list is multivalued; as a string, single-valued.
  const contextVariables = {}
  for (const e of c.context ?? []) {
    contextVariables[e.key] = e.list ? e.values : e.values[0]
  }
  const named = (docs, prefix) => docs.map((d, i) => ({ name: `${prefix}${i + 1}`, policy: JSON.parse(d) }))
  try {
    const decision = runUnsafeSimulation(
      {
        request: {
          principal,
          action: c.action,
          // The resource is the principal's account's: no cross-account
          // evaluation, identity policies alone decide.
          resource: { resource: c.resource, accountId: account },
          contextVariables
        },
        identityPolicies: named(c.identity, 'identity'),
        permissionBoundaryPolicies: c.boundary ? named(c.boundary, 'boundary') : undefined,
        // Each level of the organization, the root first, the account last.
        serviceControlPolicies: (c.scps ?? []).map((level, i) => ({
          orgIdentifier: i === 0 ? 'r-root' : `ou-level-${i}`,
          policies: named(level, `scp${i}-`)
        })),
        resourceControlPolicies: []
      },
      {}
    )
    return { id: c.id, decision }
  } catch (e) {
    return { id: c.id, error: String(e && e.message ? e.message : e) }
  }
})
process.stdout.write(JSON.stringify(out))
