// The node icons, one per type.
import { ICONS, TYPE_COLOURS } from "./state.js";

// The icons, rasterised once into data: URLs: WebGL textures need pixels, and the page's
// policy lets images come only from the app itself or data: URLs (never blob:).
export const iconData = {};
export const iconsReady = Promise.all(Object.keys(TYPE_COLOURS).map((type) => new Promise((resolve) => {
  const img = new Image(128, 128);
  img.onload = () => {
    const canvas = document.createElement("canvas"); canvas.width = 128; canvas.height = 128;
    canvas.getContext("2d").drawImage(img, 0, 0, 128, 128);
    iconData[type] = canvas.toDataURL("image/png"); resolve();
  };
  img.onerror = () => resolve();
  img.src = ICONS + type + ".svg";
})));
export const iconOf = (type) => iconData[type] || iconData.org || "";
