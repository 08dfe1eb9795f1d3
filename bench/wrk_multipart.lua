-- wrk script: POST a multipart report with a ~30 KiB JPEG (path in the PHOTO env var).
-- FIELDS selects the form's field names: "lapor" (the API's) or "seed" (the seed's).
local photo_path = os.getenv("PHOTO")
local fields = os.getenv("FIELDS") or "lapor"
local file = assert(io.open(photo_path, "rb"))
local photo = file:read("*all")
file:close()
local boundary = "----lapor-bench-boundary"
local names = {
  lapor = {"reporter_name", "location", "description", "priority", "medium", "photo"},
  seed = {"nama", "lokasi", "deskripsi", "prioritas", "Sedang", "foto"},
}
local n = names[fields]
local function part(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end
local body = part(n[1], "Bench") .. part(n[2], "Gedung A") .. part(n[3], "Lampu koridor mati, uji beban wrk")
  .. part(n[4], n[5])
  .. "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. n[6]
  .. "\"; filename=\"kerusakan.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" .. photo .. "\r\n--" .. boundary .. "--\r\n"
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
