// Small enhancements of the admin portal. Every page works without them: the server filters
// the catalog on ?q= and makes the slug from the Display Label when the field is left empty.

// Filters a list as the administrator types: <input data-filter="#list"> hides the items of
// #list whose data-search text does not contain the typed text.
for (const input of document.querySelectorAll('input[data-filter]')) {
  const list = document.querySelector(input.dataset.filter);
  if (!list) continue;
  input.addEventListener('input', () => {
    const term = input.value.trim().toLowerCase();
    for (const item of list.querySelectorAll('[data-search]')) {
      item.hidden = !item.dataset.search.includes(term);
    }
  });
}

// Fills the slug field from the Display Label, as the server would, until the administrator
// edits the slug themselves.
function slugFromLabel(label) {
  return label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 64)
    .replace(/^-+|-+$/g, '');
}

for (const source of document.querySelectorAll('input[data-slug-source]')) {
  const target = document.querySelector(source.dataset.slugSource);
  if (!target) continue;
  let edited = target.value !== '';
  target.addEventListener('input', () => {
    edited = target.value !== '';
  });
  source.addEventListener('input', () => {
    if (!edited) target.value = slugFromLabel(source.value);
  });
}
