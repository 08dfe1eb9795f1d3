// Shrinking a photo in the browser before it travels: long side at most 2048 px, JPEG, the
// camera's orientation applied, and no metadata (a canvas keeps pixels only, so the GPS position
// in the EXIF never leaves the phone). A phone's 3–5 MB photo becomes a few hundred kilobytes.
// A photo the browser cannot decode (HEIC on most browsers) is sent as it is: the server strips it.

export const MAX_SIDE = 2048;
const QUALITY = 0.85;

function jpegName(name) {
  const stem = (name || "foto").replace(/\.[^.]*$/, "") || "foto";
  return `${stem}.jpg`;
}

async function canvasBlob(bitmap, width, height) {
  if (typeof OffscreenCanvas === "function") {
    const canvas = new OffscreenCanvas(width, height);
    draw(canvas.getContext("2d"), bitmap, width, height);
    return canvas.convertToBlob({ type: "image/jpeg", quality: QUALITY });
  }
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  draw(canvas.getContext("2d"), bitmap, width, height);
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("encode failed"))), "image/jpeg", QUALITY),
  );
}

function draw(context, bitmap, width, height) {
  context.fillStyle = "#ffffff"; // a transparent PNG becomes white, not black, in a JPEG
  context.fillRect(0, 0, width, height);
  context.imageSmoothingQuality = "high";
  context.drawImage(bitmap, 0, 0, width, height);
}

/** {blob, name, shrunk}: the photo as it should travel (and be kept offline). Made once per
 * photo: a resend must carry the same bytes, or the server takes it for another report. */
export async function shrinkPhoto(file) {
  if (typeof createImageBitmap !== "function") return { blob: file, name: file.name, shrunk: false };
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return { blob: file, name: file.name, shrunk: false }; // cannot decode (HEIC): the original
  }
  try {
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const blob = await canvasBlob(bitmap, width, height);
    return { blob, name: jpegName(file.name), shrunk: true };
  } catch {
    return { blob: file, name: file.name, shrunk: false };
  } finally {
    bitmap.close();
  }
}
