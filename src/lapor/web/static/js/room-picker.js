// Search as you type for the form's room field: suggestions from GET /api/places?q=.
// Without this script the field still works: the server resolves a code or a name.
const input = document.getElementById("room");
const options = document.getElementById("room-options");
let timer;
let asked = "";

async function suggest() {
  const q = input.value.trim();
  if (q.length < 2 || q === asked) return;
  asked = q;
  try {
    const response = await fetch(`/api/places?q=${encodeURIComponent(q)}`, { headers: { Accept: "application/json" } });
    if (!response.ok || q !== input.value.trim()) return;
    const { items } = await response.json();
    options.replaceChildren(
      ...items.map((place) => {
        const option = document.createElement("option");
        option.value = place.code;
        option.label = `${place.name} · ${place.building_name}, ${place.floor}`;
        return option;
      }),
    );
  } catch {
    // Offline or the database is out: the field keeps taking a typed code.
  }
}

if (input && options) {
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
}
