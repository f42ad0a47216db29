/**
 * The model's RoPE config + the scenario settings (live) or a report's pressure section → the two
 * pressure charts (per pair and per band). Pressure is closed-form, so the live charts wait only
 * for the model config.
 */
import { pressureBandOption, pressureBandTable, pressurePairOption, pressurePairTable } from '../charts/pressure';
import type { ChartTheme, PressureData } from '../charts/types';
import type { RopeConfig } from '../rope/types';
import { pressureChartData } from '../scenario/pressure';
import type { Settings } from '../settings/settings';
import { errorText, FROM_REPORT_NOTE, inputErrorState, notInReportState, readyState, waitingState, type ChartState, type QueryLike } from './chartState';

export interface PressureStates {
  pair: ChartState;
  band: ChartState;
  /** The numbers drawn (for the saved report), or undefined when nothing is drawn. */
  data?: PressureData;
}

function both(state: ChartState): PressureStates {
  return { pair: state, band: state };
}

function drawn(data: PressureData, theme: ChartTheme, note?: string): PressureStates {
  return {
    pair: readyState(pressurePairOption(data, theme), pressurePairTable(data), note),
    band: readyState(pressureBandOption(data, theme), pressureBandTable(data), note),
    data,
  };
}

/** Live: the model query (its `rope`) and the settings. */
export function pressureStates(model: QueryLike<{ rope: RopeConfig }>, settings: Settings, theme: ChartTheme): PressureStates {
  if (model.isError) return both(inputErrorState(`Model could not be read: ${errorText(model.error)}`));
  if (!model.data) return both(waitingState('the model config'));
  try {
    return drawn(pressureChartData(model.data.rope, settings), theme);
  } catch (err) {
    // A scenario the closed form refuses (e.g. a band partition the model's pairs cannot hold).
    return both({ status: 'error', message: errorText(err), hint: 'Change the PI method, its scale or the band partition.' });
  }
}

/** An opened report's pressure section (null or absent when it has none). */
export function reportPressureStates(pressure: PressureData | null | undefined, theme: ChartTheme): PressureStates {
  return pressure ? drawn(pressure, theme, FROM_REPORT_NOTE) : both(notInReportState('pressure data'));
}
