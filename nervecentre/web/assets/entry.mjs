// The chart's libraries, bundled into one script that sets window.NCChart (see build.mjs).
import Graph from "graphology";
import Sigma from "sigma";
import {
  EdgeLineProgram, EdgeRectangleProgram, NodeCircleProgram, createNodeCompoundProgram,
} from "sigma/rendering";
import { createNodeImageProgram } from "@sigma/node-image";
import { toBlob } from "@sigma/export-image";
import forceAtlas2 from "graphology-layout-forceatlas2";
import { circular } from "graphology-layout";

window.NCChart = {
  Graph, Sigma, EdgeLineProgram, EdgeRectangleProgram, NodeCircleProgram, createNodeCompoundProgram, createNodeImageProgram, toBlob,
  forceAtlas2, circular,
};
