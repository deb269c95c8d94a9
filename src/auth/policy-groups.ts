// Groups as the Linux callback reports them: carol has `g` as PRIMARY group only (useradd -g g),
// dave has it as a supplementary group, bob is in no shared group.
export const GROUPS: Record<string, string[]> = {
  carol: ['g'],
  dave: ['dave', 'g'],
  bob: ['bob'],
  alice: ['alice'],
  root: ['root'],
};
